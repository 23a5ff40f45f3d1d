from guanjia.core.console import CommunityListView

from .models import Room


class RoomListView(CommunityListView):
    model = Room
    template_name = "estates/room_list.html"
